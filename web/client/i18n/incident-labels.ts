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

/** Why a piece of evidence was linked, in the console's language (the correlator writes English). */
export function localizeWhy(why: string, lang: Language = getLanguage()): string {
  if (lang === 'en') return why;
  let m: RegExpExecArray | null;
  if ((m = /^same asset (\S+), (\d+) min apart$/.exec(why))) return `同一设施 ${m[1]}，相隔 ${m[2]} 分钟`;
  if ((m = /^same district (\S+), (\d+) min apart$/.exec(why))) return `同一区 ${m[1]}，相隔 ${m[2]} 分钟`;
  if ((m = /^(\d+) m away \(limit (\d+) m\), (\d+) min apart$/.exec(why))) return `相距 ${m[1]} 米（上限 ${m[2]} 米），相隔 ${m[3]} 分钟`;
  if ((m = /^spill-over: (\d+) m from the incident \(limit (\d+) m\), (\d+) min apart$/.exec(why)))
    return `外溢：距事件 ${m[1]} 米（上限 ${m[2]} 米），相隔 ${m[3]} 分钟`;
  if (/^anchor: /.test(why)) return '锚点：其他证据据此匹配';
  if ((m = /^merged from (\S+) by (.+)$/.exec(why))) return `由 ${m[2]} 从 ${m[1]} 合并而来`;
  if ((m = /^split from (\S+) by (.+)$/.exec(why))) return `由 ${m[2]} 从 ${m[1]} 拆分而来`;
  return why;
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
  let m: RegExpExecArray | null;
  if (what === 'evidence_linked' && (m = /^(\S+) \(([^)]+)\): (.*)$/s.exec(detail)))
    return `${m[1]}（${signalLabel(m[2]!, lang)}）：${localizeWhy(m[3]!, lang)}`;
  if (what === 'opened' && (m = /^(\d+) evidence from (\d+) independent source\(s\), confidence ([\d.]+)$/.exec(detail)))
    return `${m[1]} 条证据，来自 ${m[2]} 个独立来源，置信度 ${Math.round(Number(m[3]) * 100)}%`;
  if (what === 'evidence_inactive') {
    if ((m = /^(\S+) withdrawn: sensor suspect \(value stuck\)$/.exec(detail))) return `${m[1]} 已撤回：传感器可疑（数值卡滞）`;
    if ((m = /^(\S+) back to normal at (\S+)$/.exec(detail))) {
      const at = Date.parse(m[2]!);
      return `${m[1]} 于 ${Number.isFinite(at) ? new Date(at).toLocaleTimeString('zh-CN', { hour12: false }) : m[2]} 恢复正常`;
    }
  }
  if ((m = /^signals normal for (\d+) s(; an operator confirms)?$/.exec(detail)))
    return `信号已正常 ${m[1]} 秒${m[2] ? '，待值班员确认' : ''}`;
  // Operator actions: the action's wording, then the optional reason in brackets.
  const [, head = detail, reason] = BECAUSE.exec(detail) ?? [];
  const because = reason ? `（原因：${reason}）` : '';
  const operator: Array<[RegExp, (g: string[]) => string]> = [
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
  for (const [re, word] of operator) {
    const g = re.exec(head);
    if (g) return `${word([...g])}${because}`;
  }
  return detail;
}
