import { describe, expect, it } from 'vitest';
import {
  formatList,
  cityOffsetLabel,
  formatCityDateTime,
  formatCount,
  formatDuration,
  formatLatency,
  formatUnit,
  formatValue,
  formatValueWithUnit,
  parseCityDateTime,
} from './format.ts';
import { localizeStateReason } from './state-reason.ts';

describe('formatting', () => {
  it('joins a list with the separator of its language', () => {
    expect(formatList(['管理员', '调度员'], 'zh')).toBe('管理员、调度员');
    expect(formatList(['Public', 'Internal', 'Sensitive'], 'en')).toBe('Public, Internal, Sensitive');
    expect(formatList([], 'en')).toBe('');
  });

  it('writes counts in full, then compactly', () => {
    expect(formatCount(12_345, 'zh')).toBe('12,345');
    expect(formatCount(1_234_567, 'zh')).toBe('123.5万');
    expect(formatCount(1_234_567, 'en')).toBe('1.2M');
    expect(formatCount(null, 'en')).toBe('—');
  });

  it('formats values by magnitude and units as people write them', () => {
    expect(formatValue(1234.56, 'en')).toBe('1235');
    expect(formatValue(12_345.6, 'en')).toBe('12,346');
    expect(formatValue(12.345, 'en')).toBe('12.3');
    expect(formatValue(0.01234, 'en')).toBe('0.012');
    expect(formatUnit('Cel', 'zh')).toBe('°C');
    expect(formatValueWithUnit(34, 'cm', 'zh')).toBe('34 cm');
    expect(formatValueWithUnit(72, '%', 'en')).toBe('72%');
    expect(formatValueWithUnit(12, '1', 'en')).toBe('12');
    expect(formatValueWithUnit(NaN, 'cm', 'en')).toBe('—');
  });

  it('formats durations and latencies in both languages', () => {
    expect(formatDuration(500, 'zh')).toBe('<1 秒');
    expect(formatDuration(12_400, 'zh')).toBe('12 秒');
    expect(formatDuration(200_000, 'en')).toBe('3 min 20 s');
    expect(formatDuration(3_600_000 * 2 + 60_000 * 5, 'zh')).toBe('2 小时 5 分');
    expect(formatLatency(85, 'en')).toBe('85 ms');
    expect(formatLatency(1_250, 'en')).toBe('1.3 s');
  });
});

describe('localizeStateReason', () => {
  it('translates threshold reasons from the alarm rules', () => {
    expect(localizeStateReason('water_level_cm 34 ≥ 30 (alarm)', 'zh')).toBe('积水深度 34 cm ≥ 告警阈值 30 cm');
    expect(localizeStateReason('water_level_cm 34 ≥ 30 (alarm)', 'en')).toBe('Water depth 34 cm ≥ alarm threshold 30 cm');
  });

  it('translates staleness reasons', () => {
    expect(localizeStateReason('no reading for 120 s (limit 60 s)', 'zh')).toBe('已 2 分钟 未收到读数（上限 1 分钟）');
    expect(localizeStateReason('no meta message yet', 'en')).toBe('No meta message yet');
  });

  it('translates rate-of-change and flatline reasons, with no rule code left', () => {
    expect(localizeStateReason('water_level_cm +12 in 5 min ≥ +10 (rate warning)', 'zh')).toBe(
      '积水深度 5 分钟内上升 12 cm（≥ 10 cm，变化率预警）',
    );
    expect(localizeStateReason('water_level_cm +12 in 5 min ≥ +10 (rate warning)', 'en')).toBe(
      'Water depth rose 12 cm in 5 min (≥ 10 cm: rate-of-change warning)',
    );
    expect(localizeStateReason('water_level_cm -8.5 in 1 h ≥ -5 (rate alarm)', 'zh')).toBe(
      '积水深度 1 小时内下降 8.5 cm（≥ 5 cm，变化率告警）',
    );
    expect(localizeStateReason('water_level_cm ±30 in 90 s ≥ ±20 (rate alarm)', 'en')).toBe(
      'Water depth changed 30 cm in 1 min 30 s (≥ 20 cm: rate-of-change alarm)',
    );
    expect(localizeStateReason('water_level_cm 7.1 unchanged ±0.2 for 42 min (flatline warning)', 'zh')).toBe(
      '积水深度 7.1 cm，已 42 分钟 无变化（±0.2 cm 内，疑似卡滞预警）',
    );
    expect(localizeStateReason('water_level_cm 7.1 unchanged ±0.2 for 42 min (flatline warning)', 'en')).toBe(
      'Water depth 7.1 cm unchanged (±0.2 cm) for 42 min (flatline warning: the sensor may be stuck)',
    );
    for (const lang of ['zh', 'en'] as const)
      for (const r of ['water_level_cm +12 in 5 min ≥ +10 (rate warning)', 'water_level_cm 7.1 unchanged ±0.2 for 42 min (flatline alarm)'])
        expect(localizeStateReason(r, lang)).not.toMatch(/water_level_cm|\(rate |\(flatline alarm\)/);
  });

  it('passes unknown reasons through', () => {
    expect(localizeStateReason('something new', 'zh')).toBe('something new');
  });
});

describe('city time', () => {
  const SH = 'Asia/Shanghai';
  const VIE = 'Europe/Vienna';
  it("shows a moment on the city's clocks whatever the browser zone", () => {
    expect(formatCityDateTime(Date.UTC(2026, 11, 4, 19, 35, 16), SH)).toBe('2026-12-05 03:35:16');
    expect(formatCityDateTime(Date.UTC(2026, 11, 4, 19, 35, 16), VIE)).toBe('2026-12-04 20:35:16');
    expect(formatCityDateTime(Date.UTC(2026, 6, 4, 19, 35, 16), VIE)).toBe('2026-07-04 21:35:16');
    expect(cityOffsetLabel(Date.UTC(2026, 6, 4), VIE)).toBe('UTC+2');
    expect(formatCityDateTime(Number.NaN, SH)).toBe('—');
  });
  it('reads a typed city time back, and refuses what is not one', () => {
    expect(parseCityDateTime('2026-12-05 03:35', SH)).toBe(Date.UTC(2026, 11, 4, 19, 35));
    expect(parseCityDateTime('2026-12-05T03:35:16', SH)).toBe(Date.UTC(2026, 11, 4, 19, 35, 16));
    expect(parseCityDateTime('2026-12-05', SH)).toBe(Date.UTC(2026, 11, 4, 16, 0));
    expect(parseCityDateTime('2026-07-05', VIE)).toBe(Date.UTC(2026, 6, 4, 22, 0));
    expect(parseCityDateTime('2026-02-30 10:00', SH)).toBeNull();
    expect(parseCityDateTime('yesterday', SH)).toBeNull();
  });
});
