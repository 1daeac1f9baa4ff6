import { describe, expect, it } from 'vitest';
import { ApiError } from '../backend/api-client.ts';
import { isAreaEvidence, SensorNames, type SensorNamesOptions } from './sensor-names.ts';

type Names = { name: string | null; nameZh: string | null; nameEn: string | null };

const REGISTRY: Record<string, Names> = {
  'wl-0001': { name: null, nameZh: '沙湖路下穿通道水位', nameEn: 'Shahu Rd underpass water level' },
  'aq-7': { name: 'AQ station 7', nameZh: null, nameEn: null },
};

/** A registry read through the api-client's interface: 404 for a sensor it does not know. */
function registry(entries: Record<string, Names> = REGISTRY) {
  const asked: string[] = [];
  const fetchDetail = async (id: string) => {
    asked.push(id);
    const names = entries[id];
    if (!names) throw new ApiError({ kind: 'not-found', status: 404 }, `/api/sensors/${id}`);
    return names;
  };
  return { asked, fetchDetail };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

/** A SensorNames on a hand-turned clock whose redraws run when `frame()` is called. */
function harness(fetchDetail: (id: string) => Promise<Names>, options: SensorNamesOptions = {}) {
  let now = 1_000_000;
  let redraws = 0;
  const frames: Array<() => void> = [];
  const names = new SensorNames(fetchDetail, () => redraws++, {
    now: () => now,
    schedule: (f) => frames.push(f),
    ...options,
  });
  return {
    names,
    advance: (ms: number) => {
      now += ms;
    },
    frame: () => {
      for (const f of frames.splice(0)) f();
    },
    redraws: () => redraws,
  };
}

describe('SensorNames', () => {
  it('names a sensor in zh-CN and English once the registry answered, asking once', async () => {
    const { asked, fetchDetail } = registry();
    const h = harness(fetchDetail);
    expect(h.names.name('wl-0001', 'zh')).toBeNull();
    expect(h.names.name('wl-0001', 'en')).toBeNull();
    await settle();
    h.frame();
    expect(h.redraws()).toBe(1);
    expect(h.names.name('wl-0001', 'zh')).toBe('沙湖路下穿通道水位');
    expect(h.names.name('wl-0001', 'en')).toBe('Shahu Rd underpass water level');
    // A sensor with one name has it in both languages.
    h.names.name('aq-7', 'zh');
    await settle();
    expect(h.names.name('aq-7', 'zh')).toBe('AQ station 7');
    expect(asked).toEqual(['wl-0001', 'aq-7']);
  });

  it('keeps the id for a sensor the registry no longer knows, without asking again', async () => {
    const { asked, fetchDetail } = registry();
    const h = harness(fetchDetail);
    expect(h.names.name('gone-1', 'zh')).toBeNull();
    await settle();
    h.advance(24 * 3600_000);
    expect(h.names.name('gone-1', 'zh')).toBeNull();
    expect(h.names.name('gone-1', 'en')).toBeNull();
    await settle();
    h.frame();
    expect(asked).toEqual(['gone-1']);
    expect(h.redraws()).toBe(0);
  });

  it.each([403, 401])('keeps a refusal (%i) as "no name" for the page\'s life: asked once over many redraws', async (status) => {
    let calls = 0;
    const h = harness(async (id) => {
      calls++;
      throw new ApiError({ kind: 'http', status }, `/api/sensors/${id}`);
    });
    for (let redraw = 0; redraw < 50; redraw++) {
      expect(h.names.name('wl-0001', 'zh')).toBeNull();
      await settle();
      h.advance(60_000);
    }
    expect(calls).toBe(1);
    h.frame();
    expect(h.redraws()).toBe(0);
  });

  it('asks again after a busy server (5xx) or a lost network only once the back-off has passed', async () => {
    const failures: ApiError[] = [
      new ApiError({ kind: 'http', status: 503 }, '/api/sensors/wl-0001'),
      new ApiError({ kind: 'network', message: 'Failed to fetch' }, '/api/sensors/wl-0001'),
    ];
    let calls = 0;
    const h = harness(async () => {
      calls++;
      const f = failures.shift();
      if (f) throw f;
      return REGISTRY['wl-0001']!;
    });
    h.names.name('wl-0001', 'zh');
    await settle();
    // Redraws within the back-off do not ask.
    for (let i = 0; i < 10; i++) {
      expect(h.names.name('wl-0001', 'zh')).toBeNull();
      await settle();
      h.advance(5_000);
    }
    expect(calls).toBe(1);
    h.advance(10_000); // 60 s since the failure
    h.names.name('wl-0001', 'zh');
    await settle();
    expect(calls).toBe(2);
    h.names.name('wl-0001', 'zh');
    await settle();
    expect(calls).toBe(2);
    h.advance(60_000);
    h.names.name('wl-0001', 'zh');
    await settle();
    expect(calls).toBe(3);
    expect(h.names.name('wl-0001', 'zh')).toBe('沙湖路下穿通道水位');
  });

  it('keeps at most 4 requests open and asks the rest in turn, with one redraw per frame', async () => {
    const ids = Array.from({ length: 300 }, (_, i) => `wl-${String(i).padStart(4, '0')}`);
    const entries = Object.fromEntries(ids.map((id, i) => [id, { name: null, nameZh: `水位 ${i}`, nameEn: `Level ${i}` }]));
    let open = 0;
    let most = 0;
    const asked: string[] = [];
    const waiting: Array<() => void> = [];
    const h = harness((id) => {
      asked.push(id);
      open++;
      most = Math.max(most, open);
      return new Promise<Names>((resolve) =>
        waiting.push(() => {
          open--;
          resolve(entries[id]!);
        }),
      );
    });
    // Three redraws of an incident with 300 evidence rows before any answer.
    for (let redraw = 0; redraw < 3; redraw++) for (const id of ids) h.names.name(id, 'zh');
    expect(asked.length).toBe(4);
    expect(h.names.pending).toEqual({ inFlight: 4, queued: 296 });
    // Answer everything that is open, round after round (bounded).
    for (let round = 0; round < 300 && waiting.length > 0; round++) {
      for (const answer of waiting.splice(0)) answer();
      await settle();
    }
    expect(most).toBe(4);
    expect(asked).toEqual(ids);
    expect(h.names.pending).toEqual({ inFlight: 0, queued: 0 });
    h.frame();
    expect(h.redraws()).toBe(1);
    expect(h.names.name('wl-0299', 'en')).toBe('Level 299');
  });

  it("names a registry sensor whose own id starts with 'area-': the id is not what makes district-wide evidence", async () => {
    const { asked, fetchDetail } = registry({
      'area-light-07': { name: null, nameZh: '江滩片区照度 07', nameEn: 'Riverside area light 07' },
    });
    const h = harness(fetchDetail);
    expect(h.names.name('area-light-07', 'zh')).toBeNull();
    await settle();
    h.frame();
    expect(asked).toEqual(['area-light-07']);
    expect(h.names.name('area-light-07', 'zh')).toBe('江滩片区照度 07');
    expect(h.names.name('area-light-07', 'en')).toBe('Riverside area light 07');
  });
});

describe('isAreaEvidence', () => {
  it("is the row's areaShare alone, whatever its sensor id", () => {
    expect(isAreaEvidence({ areaShare: 0.4 })).toBe(true);
    // A share of nothing is still a district's share.
    expect(isAreaEvidence({ areaShare: 0 })).toBe(true);
    expect(isAreaEvidence({})).toBe(false);
    expect(isAreaEvidence({ areaShare: undefined })).toBe(false);
    // The evidence rows as the console receives them: the id says nothing either way.
    const rows = [{ sensorId: 'area-temperature-420102', areaShare: 0.5 }, { sensorId: 'area-light-07' }, { sensorId: 'wl-0001' }];
    expect(rows.map((r) => isAreaEvidence(r))).toEqual([true, false, false]);
  });
});

describe('SensorNames (continued)', () => {
  it('asks again after the names were kept 10 minutes, showing the old name until the new one arrives', async () => {
    const entries: Record<string, Names> = { 'wl-0001': { ...REGISTRY['wl-0001']! } };
    const { asked, fetchDetail } = registry(entries);
    const h = harness(fetchDetail);
    h.names.name('wl-0001', 'zh');
    await settle();
    h.frame();
    entries['wl-0001'] = { name: null, nameZh: '沙湖路下穿通道 02 水位', nameEn: 'Shahu Rd underpass 02 water level' };
    h.advance(9 * 60_000);
    expect(h.names.name('wl-0001', 'zh')).toBe('沙湖路下穿通道水位');
    await settle();
    expect(asked.length).toBe(1);
    h.advance(60_000);
    expect(h.names.name('wl-0001', 'zh')).toBe('沙湖路下穿通道水位');
    await settle();
    h.frame();
    expect(asked.length).toBe(2);
    expect(h.redraws()).toBe(2);
    expect(h.names.name('wl-0001', 'en')).toBe('Shahu Rd underpass 02 water level');
    // An unchanged name asks again later but draws nothing again.
    h.advance(10 * 60_000);
    h.names.name('wl-0001', 'zh');
    await settle();
    h.frame();
    expect(asked.length).toBe(3);
    expect(h.redraws()).toBe(2);
  });
});
