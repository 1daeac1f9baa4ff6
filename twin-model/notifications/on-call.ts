/**
 * On-call rosters: who is tier N of a team at an instant, read on the city's clocks.
 *
 * A shift belongs to the day it starts: `{days: ['mon'], from: '20:00', to: '08:00'}` covers
 * Monday 20:00 to Tuesday 08:00. Several shifts covering the same moment (a handover overlap)
 * add up: tier N is everyone the covering shifts name at tier N, in roster order. An override
 * for a date replaces the shifts between its `from` and `to` on that date.
 */
import { cityWallTime, minutesOf, previousDate, type CityWallTime } from './city-time.ts';
import type { OnCallRoster, RosterShift } from './notification-config.ts';

function covers(shift: RosterShift, wall: CityWallTime, yesterday: ReturnType<typeof previousDate>): boolean {
  const from = minutesOf(shift.from)!;
  const to = minutesOf(shift.to)!;
  const now = wall.minuteOfDay;
  if (to > from) return shift.days.includes(wall.weekday) && now >= from && now < to;
  // Past midnight: the evening part today, the morning part of yesterday's shift.
  return (shift.days.includes(wall.weekday) && now >= from) || (shift.days.includes(yesterday.weekday) && now < to);
}

/** Every tier's people of the team at `epochMs` (`[tier 1 users, tier 2 users, …]`); empty when nobody is on call. */
export function onCallTiers(roster: OnCallRoster, epochMs: number, timeZone: string): string[][] {
  const wall = cityWallTime(epochMs, timeZone);
  for (const o of roster.overrides) {
    if (o.date === wall.date && wall.minuteOfDay >= minutesOf(o.from)! && wall.minuteOfDay < minutesOf(o.to)!)
      return o.tiers.map((t) => [...t]);
  }
  const yesterday = previousDate(wall.date);
  const tiers: string[][] = [];
  for (const shift of roster.shifts) {
    if (!covers(shift, wall, yesterday)) continue;
    shift.tiers.forEach((users, i) => {
      const into = tiers[i] ?? [];
      tiers[i] = into;
      for (const u of users) if (!into.includes(u)) into.push(u);
    });
  }
  return tiers;
}

/** Who is tier `tier` (1 = first on call) of the team at `epochMs`; empty when the roster has nobody there. */
export function onCallNow(roster: OnCallRoster, tier: number, epochMs: number, timeZone: string): string[] {
  return onCallTiers(roster, epochMs, timeZone)[tier - 1] ?? [];
}
