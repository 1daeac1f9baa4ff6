import { describe, expect, it } from 'vitest';
import { DeadlineWheel } from './deadline-wheel.ts';

const T0 = Date.UTC(2026, 6, 1);

describe('DeadlineWheel', () => {
  it('hands back a key only once its deadline has passed', () => {
    const wheel = new DeadlineWheel();
    wheel.set(3, T0 + 5000);
    expect(wheel.takeDue(T0 + 4999)).toEqual([]);
    expect(wheel.takeDue(T0 + 5000)).toEqual([]);
    expect(wheel.size).toBe(1);
    expect(wheel.takeDue(T0 + 5001)).toEqual([3]);
    expect(wheel.size).toBe(0);
    expect(wheel.deadlineOf(3)).toBeUndefined();
    expect(wheel.takeDue(T0 + 60_000)).toEqual([]);
  });

  it('moves a deadline later: not due at the old time, due at the new one', () => {
    const wheel = new DeadlineWheel();
    wheel.set(1, T0 + 2000);
    wheel.set(1, T0 + 9000);
    expect(wheel.size).toBe(1);
    expect(wheel.deadlineOf(1)).toBe(T0 + 9000);
    expect(wheel.takeDue(T0 + 5000)).toEqual([]);
    expect(wheel.takeDue(T0 + 9001)).toEqual([1]);
  });

  it('moves a deadline earlier, within its slot and across slots', () => {
    const wheel = new DeadlineWheel();
    wheel.set(1, T0 + 9000);
    wheel.set(2, T0 + 9800);
    wheel.set(2, T0 + 9100);
    wheel.set(1, T0 + 2000);
    expect(wheel.takeDue(T0 + 2001)).toEqual([1]);
    expect(wheel.takeDue(T0 + 9050)).toEqual([]);
    expect(wheel.takeDue(T0 + 9101)).toEqual([2]);
  });

  it('forgets a removed key, and removing twice or an unknown key is harmless', () => {
    const wheel = new DeadlineWheel();
    wheel.set(0, T0 + 1000);
    wheel.set(1, T0 + 1000);
    wheel.delete(0);
    wheel.delete(0);
    wheel.delete(77);
    expect(wheel.size).toBe(1);
    expect(wheel.takeDue(T0 + 2000)).toEqual([1]);
  });

  it('keeps many keys in one slot and takes only the due part of the current slot', () => {
    const wheel = new DeadlineWheel(1000);
    for (let k = 0; k < 5000; k++) wheel.set(k, T0 + (k % 1000));
    expect(wheel.size).toBe(5000);
    const first = wheel.takeDue(T0 + 500);
    expect(first).toHaveLength(2500);
    expect(first.every((k) => k % 1000 < 500)).toBe(true);
    wheel.delete(999);
    const rest = wheel.takeDue(T0 + 1000);
    expect(rest).toHaveLength(2499);
    expect(new Set([...first, ...rest]).size).toBe(4999);
    expect(wheel.size).toBe(0);
  });

  it('takes everything passed when the clock jumps far ahead, in deadline-slot order', () => {
    const wheel = new DeadlineWheel();
    wheel.set(5, T0 + 3 * 86_400_000);
    wheel.set(4, T0 + 1000);
    wheel.set(6, T0 + 365 * 86_400_000);
    expect(wheel.takeDue(T0 + 400 * 86_400_000)).toEqual([4, 5, 6]);
  });

  it('after the clock went back, keys set in slots already passed are still found', () => {
    const wheel = new DeadlineWheel();
    wheel.set(1, T0 + 10_000);
    expect(wheel.takeDue(T0 + 20_000)).toEqual([1]);
    wheel.set(2, T0 + 5000);
    expect(wheel.takeDue(T0 + 4000)).toEqual([]);
    expect(wheel.takeDue(T0 + 6000)).toEqual([2]);
  });

  it('grows past its first capacity and refuses bad input with the value', () => {
    const wheel = new DeadlineWheel();
    wheel.set(100_000, T0);
    expect(wheel.deadlineOf(100_000)).toBe(T0);
    expect(() => wheel.set(-1, T0)).toThrow('got -1');
    expect(() => wheel.set(1, Number.NaN)).toThrow('got NaN');
    expect(() => new DeadlineWheel(0)).toThrow('got 0');
    wheel.clear();
    expect(wheel.size).toBe(0);
    expect(wheel.takeDue(T0 + 1)).toEqual([]);
  });
});
