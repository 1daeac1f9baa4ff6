/**
 * The operator console page: signs in (app/sign-in.ts), then builds and starts the console
 * (console/operator-console.ts: its parts, one state object, panels drawn from one view per
 * tick). Read console/operator-console.ts next.
 */
import 'maplibre-gl/dist/maplibre-gl.css';
import './styles/console.css';
import { setWorkerUrl } from 'maplibre-gl';
import maplibreWorkerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import { startPage } from './app/sign-in.ts';
import { OperatorConsole } from './console/operator-console.ts';

// Bundled worker, same origin: no blob: or CDN worker (browser-testing.md, CSP).
setWorkerUrl(maplibreWorkerUrl);

startPage((me) => new OperatorConsole(me).start(), { displayToken: true });
