/**
 * The layer panel (a button beside the search): switches for the sensors — and each sensor
 * kind — the incidents, the response units, their routes, the alarm heat and the base map's
 * labels. What is switched is remembered per browser (map/layer-prefs.ts). The sensor kinds are
 * the legend's kind toggles seen from here: both change the same filter.
 */
import { SENSOR_KINDS } from '../../../twin-model/vocabulary.ts';
import type { Panel } from '../app/panel.ts';
import { kindLabel } from '../i18n/labels.ts';
import { t } from '../i18n/language.ts';
import { LAYER_SWITCHES, type LayerPrefs, type LayerSwitch } from '../map/layer-prefs.ts';
import { h, setAttr, setDisabled, setText } from '../ui/dom.ts';

export interface LayerPanelContext {
  /** The preferences (the console's state holds them; the panel changes them in place). */
  prefs: LayerPrefs;
  /** Switches the role may use (units and routes need `units.read`, incidents `incidents.read`). */
  available: ReadonlySet<LayerSwitch>;
  /** Something was switched: apply it and remember it. */
  onChange(): void;
}

export class LayerPanel implements Panel<unknown> {
  readonly el: HTMLElement;
  private readonly button = h('button', {
    type: 'button',
    class: 'layers-button',
    'aria-expanded': 'false',
    'aria-controls': 'layer-panel',
    'data-testid': 'layers-toggle',
  });
  private readonly box = h('div', { id: 'layer-panel', class: 'layer-panel', hidden: true, 'data-testid': 'layer-panel' });
  private readonly title = h('h2', { class: 'panel-title' });
  private readonly switches = new Map<LayerSwitch, { button: HTMLButtonElement; label: HTMLElement; note: HTMLElement }>();
  private readonly kinds = new Map<string, { button: HTMLButtonElement; label: HTMLElement }>();
  private readonly kindList = h('div', { class: 'layer-kinds', 'data-testid': 'layer-kinds' });

  constructor(private readonly ctx: LayerPanelContext) {
    this.button.addEventListener('click', () => this.open(this.box.hidden));
    this.box.append(this.title);
    for (const name of LAYER_SWITCHES) {
      if (!ctx.available.has(name)) continue;
      const label = h('span', { class: 'layer-label' });
      const note = h('span', { class: 'layer-note muted' });
      const button = h(
        'button',
        { type: 'button', role: 'switch', class: 'layer-switch', 'data-testid': `layer-switch-${name}`, 'aria-checked': 'true' },
        h('span', { class: 'layer-check', 'aria-hidden': 'true' }),
        h('span', { class: 'layer-text' }, label, note),
      );
      button.addEventListener('click', () => {
        ctx.prefs.on[name] = !ctx.prefs.on[name];
        this.changed();
      });
      this.switches.set(name, { button, label, note });
      this.box.append(button);
      if (name === 'sensors') this.box.append(this.kindList);
    }
    for (const kind of SENSOR_KINDS) {
      const label = h('span', {});
      const button = h(
        'button',
        { type: 'button', class: 'layer-kind', 'data-testid': `layer-kind-${kind}`, 'aria-pressed': 'true' },
        h('span', { class: 'kind-check', 'aria-hidden': 'true' }),
        label,
      );
      button.addEventListener('click', () => {
        const hidden = new Set(ctx.prefs.hiddenKinds);
        if (hidden.has(kind)) hidden.delete(kind);
        else hidden.add(kind);
        ctx.prefs.hiddenKinds = [...hidden];
        this.changed();
      });
      this.kinds.set(kind, { button, label });
      this.kindList.append(button);
    }
    this.el = h('div', { class: 'layers' }, this.button, this.box);
    document.addEventListener('pointerdown', (e) => {
      if (!this.box.hidden && e.target instanceof Node && !this.el.contains(e.target)) this.open(false);
    });
    this.box.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        this.open(false);
        this.button.focus();
      }
    });
  }

  mount(parent: HTMLElement): void {
    parent.appendChild(this.el);
  }

  destroy(): void {
    this.el.remove();
  }

  /** Redraws the switches (the legend may have changed the kinds). */
  render(): void {
    const { prefs } = this.ctx;
    // Called on every tick: set only what changed.
    for (const [name, s] of this.switches) setAttr(s.button, 'aria-checked', String(prefs.on[name]));
    const hidden = new Set(prefs.hiddenKinds);
    for (const [kind, k] of this.kinds) {
      setAttr(k.button, 'aria-pressed', String(!hidden.has(kind)));
      setDisabled(k.button, !prefs.on.sensors);
    }
  }

  renderLabels(): void {
    setText(this.button, t('layers.button'));
    this.button.title = t('layers.hint');
    setText(this.title, t('layers.title'));
    for (const [name, s] of this.switches) {
      setText(s.label, t(`layers.${name}`));
      setText(s.note, name === 'heat' ? t('layers.heatNote') : '');
      s.note.hidden = name !== 'heat';
    }
    for (const [kind, k] of this.kinds) setText(k.label, kindLabel(kind));
    this.render();
  }

  private open(on: boolean): void {
    this.box.hidden = !on;
    this.button.setAttribute('aria-expanded', String(on));
  }

  private changed(): void {
    this.render();
    this.ctx.onChange();
  }
}
