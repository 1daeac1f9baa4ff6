import { describe, expect, it } from 'vitest';
import { ApiError } from '../backend/api-client.ts';
import { SensorNames } from './sensor-names.ts';

const REGISTRY: Record<string, { name: string | null; nameZh: string | null; nameEn: string | null }> = {
  'wl-0001': { name: null, nameZh: '沙湖路下穿通道水位', nameEn: 'Shahu Rd underpass water level' },
  'aq-7': { name: 'AQ station 7', nameZh: null, nameEn: null },
};

/** A registry read through the api-client's interface: 404 for a sensor it does not know. */
function registry() {
  const asked: string[] = [];
  const fetchDetail = async (id: string) => {
    asked.push(id);
    const names = REGISTRY[id];
    if (!names) throw new ApiError({ kind: 'not-found', status: 404 }, `/api/sensors/${id}`);
    return names;
  };
  return { asked, fetchDetail };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('SensorNames', () => {
  it('names a sensor in zh-CN and English once the registry answered, asking once', async () => {
    const { asked, fetchDetail } = registry();
    let learned = 0;
    const names = new SensorNames(fetchDetail, () => learned++);
    expect(names.name('wl-0001', 'zh')).toBeNull();
    expect(names.name('wl-0001', 'en')).toBeNull();
    await settle();
    expect(learned).toBe(1);
    expect(names.name('wl-0001', 'zh')).toBe('沙湖路下穿通道水位');
    expect(names.name('wl-0001', 'en')).toBe('Shahu Rd underpass water level');
    // A sensor with one name has it in both languages.
    names.name('aq-7', 'zh');
    await settle();
    expect(names.name('aq-7', 'zh')).toBe('AQ station 7');
    expect(asked).toEqual(['wl-0001', 'aq-7']);
  });

  it('keeps the id for a sensor the registry no longer knows, without asking again', async () => {
    const { asked, fetchDetail } = registry();
    let learned = 0;
    const names = new SensorNames(fetchDetail, () => learned++);
    expect(names.name('gone-1', 'zh')).toBeNull();
    await settle();
    expect(names.name('gone-1', 'zh')).toBeNull();
    expect(names.name('gone-1', 'en')).toBeNull();
    expect(asked).toEqual(['gone-1']);
    expect(learned).toBe(0);
  });

  it('asks again after a failure that is not "not found" (the server busy)', async () => {
    let calls = 0;
    const names = new SensorNames(
      async () => {
        calls++;
        if (calls === 1) throw new ApiError({ kind: 'http', status: 503 }, '/api/sensors/wl-0001');
        return REGISTRY['wl-0001']!;
      },
      () => undefined,
    );
    names.name('wl-0001', 'zh');
    await settle();
    expect(names.name('wl-0001', 'zh')).toBeNull();
    await settle();
    expect(names.name('wl-0001', 'zh')).toBe('沙湖路下穿通道水位');
    expect(calls).toBe(2);
  });
});
