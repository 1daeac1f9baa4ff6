/**
 * maplibre reads the city's PMTiles basemap through the `pmtiles://` protocol of the `pmtiles`
 * package: one range request per directory or tile to the console's own server. The archive
 * is registered with the sign-in a wall display sends as a header (a person's session cookie
 * rides along by itself, same origin).
 */
import { addProtocol } from 'maplibre-gl';
import { FetchSource, PMTiles, Protocol } from 'pmtiles';

let protocol: Protocol | null = null;

/**
 * Registers the archive at `path` (on this origin) and returns the `pmtiles://` URL of it for
 * a style's source. Safe to call again (the style switch does): the archive is opened once.
 */
export function pmtilesSourceUrl(path: string, headers: Record<string, string>): string {
  if (!protocol) {
    protocol = new Protocol();
    addProtocol('pmtiles', protocol.tilev4 as Parameters<typeof addProtocol>[1]);
  }
  const absolute = new URL(path, window.location.href).toString();
  const known = protocol.get(absolute);
  if (known) (known.source as FetchSource).setHeaders(new Headers(headers));
  else protocol.add(new PMTiles(new FetchSource(absolute, new Headers(headers), 'same-origin')));
  return `pmtiles://${absolute}`;
}
