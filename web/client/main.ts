/**
 * The operator console page, loaded by console-boot.ts once signed in (app/sign-in.ts): builds and starts the console
 * (console/operator-console.ts: its parts, one state object, panels drawn from one view per
 * tick). Read console/operator-console.ts next.
 */
import 'maplibre-gl/dist/maplibre-gl.css';
import './styles/console.css';
import './styles/wall.css';
import { setWorkerUrl } from 'maplibre-gl';
import maplibreWorkerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import type { Me } from './backend/session.ts';
import { OperatorConsole } from './console/operator-console.ts';

// Bundled worker, same origin: no blob: or CDN worker (browser-testing.md, CSP).
setWorkerUrl(maplibreWorkerUrl);

/** Starts the console for a signed-in principal (console-boot.ts signs in and loads this module). */
export function start(me: Me): void {
  new OperatorConsole(me).start();
}
