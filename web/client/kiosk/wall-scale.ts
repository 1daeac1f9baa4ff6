/** The console's window is a wall (styles/wall.css): this wide or wider, in CSS pixels. */
export const WALL_MIN_WIDTH_PX = 3000;

/**
 * A wall's type scale: in kiosk mode, and in a wall-sized window (at least
 * {@link WALL_MIN_WIDTH_PX} CSS px wide) without it, the root type size follows the screen
 * (styles/wall.css), and what the map draws in pixels — markers, the base map's labels — grows by
 * the same ratio over the desk's 16 px (1.8 at 3840×1080; in kiosk mode 1.4 at 1920×1080); 1
 * elsewhere.
 */
export function wallTypeScale(root: HTMLElement = document.documentElement): number {
  const wall = root.classList.contains('kiosk') || (root.ownerDocument.defaultView?.innerWidth ?? 0) >= WALL_MIN_WIDTH_PX;
  if (!wall) return 1;
  const rootPx = Number.parseFloat(getComputedStyle(root).fontSize);
  return Number.isFinite(rootPx) && rootPx > 16 ? rootPx / 16 : 1;
}

/**
 * The type scale of a page whose root size follows a wide screen without kiosk mode (the replay
 * on a 32:9 wall, replay/replay.css): the root size over the desk's 16 px; 1 on a desk.
 */
export function pageTypeScale(root: HTMLElement = document.documentElement): number {
  const rootPx = Number.parseFloat(getComputedStyle(root).fontSize);
  return Number.isFinite(rootPx) && rootPx > 16 ? rootPx / 16 : 1;
}
