/**
 * Labels for incidents: type names from the rule files (nameZh / nameEn, the one place they
 * are written), statuses, history steps, evidence kinds, and the correlator's "why" texts in
 * the console's language. Unknown values (a newer server) fall back to the raw name.
 */
import crowd from '../../../twin-model/incidents/rules/crowd.json' with { type: 'json' };
import fire from '../../../twin-model/incidents/rules/fire.json' with { type: 'json' };
import heatStress from '../../../twin-model/incidents/rules/heat_stress.json' with { type: 'json' };
import powerOutage from '../../../twin-model/incidents/rules/power_outage.json' with { type: 'json' };
import serviceSurge from '../../../twin-model/incidents/rules/service_surge.json' with { type: 'json' };
import trafficAccident from '../../../twin-model/incidents/rules/traffic_accident.json' with { type: 'json' };
import waterlogging from '../../../twin-model/incidents/rules/waterlogging.json' with { type: 'json' };
import { getLanguage, translate, type Language } from './language.ts';
import type { StringKey } from './strings.ts';

const TYPE_NAMES: ReadonlyMap<string, { zh: string; en: string }> = new Map(
  [crowd, fire, heatStress, powerOutage, serviceSurge, trafficAccident, waterlogging].map((r) => [r.type, { zh: r.nameZh, en: r.nameEn }]),
);

export function incidentTypeLabel(type: string, lang: Language = getLanguage()): string {
  const n = TYPE_NAMES.get(type);
  return n ? (lang === 'en' ? n.en : n.zh) : type;
}

/** Translates `incident.<group>.<value>` if the table has it, else the raw value. */
function keyed(group: string, value: string, lang: Language): string {
  const key = `incident.${group}.${value}` as StringKey;
  const text = translate(lang, key);
  return text === undefined || text === key ? value : text;
}

export const incidentStatusLabel = (status: string, lang: Language = getLanguage()): string => keyed('status', status, lang);
export const incidentStepLabel = (what: string, lang: Language = getLanguage()): string => keyed('what', what, lang);
export const evidenceTypeLabel = (eventType: string, lang: Language = getLanguage()): string => keyed('evtype', eventType, lang);
export const signalLabel = (signal: string, lang: Language = getLanguage()): string => keyed('signal', signal, lang);
export const eventCategoryLabel = (category: string, lang: Language = getLanguage()): string => keyed('category', category, lang);

/** A wording: a pattern of the stored English text and its zh-CN form from the match's groups. */
type Wording = readonly [RegExp, (g: string[]) => string];

/** The first wording whose pattern matches `text`, applied; undefined when none does. */
function reword(text: string, wordings: readonly Wording[]): string | undefined {
  for (const [re, form] of wordings) {
    const g = re.exec(text);
    if (g) return form([...g]);
  }
  return undefined;
}

const WHY: readonly Wording[] = [
  [/^same asset (\S+), (\d+) min apart$/, (g) => `同一设施 ${g[1]}，相隔 ${g[2]} 分钟`],
  [/^same district (\S+), (\d+) min apart$/, (g) => `同一区 ${g[1]}，相隔 ${g[2]} 分钟`],
  [/^(\d+) m away \(limit (\d+) m\), (\d+) min apart$/, (g) => `相距 ${g[1]} 米（上限 ${g[2]} 米），相隔 ${g[3]} 分钟`],
  [
    /^spill-over: (\d+) m from the incident \(limit (\d+) m\), (\d+) min apart$/,
    (g) => `外溢：距事件 ${g[1]} 米（上限 ${g[2]} 米），相隔 ${g[3]} 分钟`,
  ],
  [/^anchor: /, () => '锚点：其他证据据此匹配'],
  [/^merged from (\S+) by (.+)$/, (g) => `由 ${g[2]} 从 ${g[1]} 合并而来`],
  [/^split from (\S+) by (.+)$/, (g) => `由 ${g[2]} 从 ${g[1]} 拆分而来`],
];

/** Why a piece of evidence was linked, in the console's language (the correlator writes English). */
export function localizeWhy(why: string, lang: Language = getLanguage()): string {
  if (lang === 'en') return why;
  return reword(why, WHY) ?? why;
}

/** An operator's reason at the end of a history text: ` (reason)`. */
const BECAUSE = /^(.*?)(?: \((.*)\))?$/s;

/**
 * A history entry's detail in the console's language. The store keeps the correlator's English
 * text (one wording for every reader of the table); the console words it in zh-CN. Texts it does
 * not know (a newer server) are shown as stored.
 */
export function localizeHistoryDetail(what: string, detail: string, lang: Language = getLanguage()): string {
  if (lang === 'en') return detail;
  // The correlator's own steps, by the step they belong to.
  const steps: Record<string, readonly Wording[]> = {
    evidence_linked: [[/^(\S+) \(([^)]+)\): (.*)$/s, (g) => `${g[1]}（${signalLabel(g[2]!, lang)}）：${localizeWhy(g[3]!, lang)}`]],
    opened: [
      [
        /^(\d+) evidence from (\d+) independent source\(s\), confidence ([\d.]+)$/,
        (g) => `${g[1]} 条证据，来自 ${g[2]} 个独立来源，置信度 ${Math.round(Number(g[3]) * 100)}%`,
      ],
    ],
    evidence_inactive: [
      [/^(\S+) withdrawn: sensor suspect \(value stuck\)$/, (g) => `${g[1]} 已撤回：传感器可疑（数值卡滞）`],
      [
        /^(\S+) back to normal at (\S+)$/,
        (g) => {
          const at = Date.parse(g[2]!);
          return `${g[1]} 于 ${Number.isFinite(at) ? new Date(at).toLocaleTimeString('zh-CN', { hour12: false }) : g[2]} 恢复正常`;
        },
      ],
    ],
  };
  const stepped = reword(detail, [
    ...(Object.hasOwn(steps, what) ? steps[what]! : []),
    [/^signals normal for (\d+) s(; an operator confirms)?$/, (g) => `信号已正常 ${g[1]} 秒${g[2] ? '，待值班员确认' : ''}`],
  ]);
  if (stepped !== undefined) return stepped;
  // Operator actions: the action's wording, then the optional reason in brackets.
  const [, head = detail, reason] = BECAUSE.exec(detail) ?? [];
  const because = reason ? `（原因：${reason}）` : '';
  const operator: readonly Wording[] = [
    [/^acknowledged$/, () => '已确认'],
    [/^severity (\d)$/, (g) => `等级设为 ${g[1]}`],
    [/^merged (\S+) into this incident$/, (g) => `已将 ${g[1]} 并入本事件`],
    [/^merged into (\S+)$/, (g) => `已并入 ${g[1]}`],
    [/^(\d+) evidence moved to (\S+)$/, (g) => `${g[1]} 条证据移至新事件 ${g[2]}`],
    [/^split from (\S+)$/, (g) => `从 ${g[1]} 拆分生成`],
    [/^marked false alarm$/, () => '已标记为误报'],
    [/^resolved$/, () => '已解决'],
    [/^closed$/, () => '已关闭'],
    [/^reopened$/, () => '已重新打开'],
  ];
  const worded = reword(head, operator);
  return worded === undefined ? detail : `${worded}${because}`;
}
