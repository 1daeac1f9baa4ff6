import { describe, expect, it } from 'vitest';
import { citySources } from '../../../twin-model/city/index.ts';
import { HOTLINE_SOURCE, VIDEO_SOURCE } from '../../../simulations/storm-reports.ts';
import { eventClassifier, higherClass, sensorClassifier } from './classification.ts';

describe('sensorClassifier', () => {
  const classify = sensorClassifier([
    { id: 'health', classification: 'sensitive' },
    { id: 'water', classification: 'internal' },
  ]);

  it("takes the source's classification, raised but never lowered by the sensor's meta", () => {
    expect(classify({ classification: null, sourceId: 'health' })).toBe('sensitive');
    expect(classify({ classification: 'public', sourceId: 'health' })).toBe('sensitive');
    expect(classify({ classification: 'public', sourceId: 'water' })).toBe('internal');
    expect(classify({ classification: 'sensitive', sourceId: 'water' })).toBe('sensitive');
  });

  it('follows the meta of a sensor without a known source, else counts it internal', () => {
    expect(classify({ classification: 'public', sourceId: 'unknown' })).toBe('public');
    expect(classify({ classification: null, sourceId: null })).toBe('internal');
  });

  it('orders public < internal < sensitive', () => {
    expect(higherClass('public', 'internal')).toBe('internal');
    expect(higherClass('sensitive', 'internal')).toBe('sensitive');
  });
});

describe('eventClassifier', () => {
  const classify = eventClassifier(citySources());

  it("classifies the simulator's and gateways' report sources as their catalogue sources", () => {
    expect(classify(HOTLINE_SOURCE, 'citizen_report')).toBe('sensitive');
    expect(classify(VIDEO_SOURCE, 'video_detection')).toBe('internal');
    expect(classify('gaj.public-video', 'video_detection')).toBe('sensitive');
    expect(classify('yjj.alerts', 'manual_report')).toBe('public');
  });

  it('counts a citizen report from an unregistered source as sensitive, another report as internal', () => {
    expect(classify('hotline-wuchang', 'citizen_report')).toBe('sensitive');
    expect(classify('field-desk', 'manual_report')).toBe('internal');
  });
});
