import { describe, expect, it } from 'vitest';
import { DeliveryWatch } from './delivery-watch.ts';

describe('DeliveryWatch', () => {
  it('reports a client whose publishes have made no progress for the threshold', () => {
    let now = 1000;
    const watch = new DeliveryWatch<string>(() => now);
    watch.arrived('pub-a');
    watch.arrived('pub-a');
    now += 4999;
    expect(watch.stall(5000)).toEqual({ stalledClients: 0, waitingPublishes: 0, longestMs: 0 });
    now += 1;
    expect(watch.stall(5000)).toEqual({ stalledClients: 1, waitingPublishes: 2, longestMs: 5000 });
  });

  it('counts a finished publish as progress, and forgets a client with nothing waiting', () => {
    let now = 0;
    const watch = new DeliveryWatch<string>(() => now);
    watch.arrived('pub-a');
    watch.arrived('pub-a');
    now = 4000;
    watch.finished('pub-a');
    now = 8000;
    expect(watch.stall(5000).stalledClients).toBe(0);
    watch.finished('pub-a');
    now = 60_000;
    expect(watch.stall(5000).stalledClients).toBe(0);
  });

  it('keeps clients apart and drops a client that disconnected', () => {
    let now = 0;
    const watch = new DeliveryWatch<string>(() => now);
    watch.arrived('slow');
    watch.arrived('busy');
    now = 6000;
    watch.finished('busy');
    watch.arrived('busy');
    expect(watch.stall(5000)).toEqual({ stalledClients: 1, waitingPublishes: 1, longestMs: 6000 });
    watch.forget('slow');
    expect(watch.stall(5000).stalledClients).toBe(0);
  });
});
