/** The SenML examples of RFC 8428 §5.1 (test/fixtures/senml/README.md), as the RFC prints them. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'senml');

export const RFC8428_SECTIONS = ['5.1.1', '5.1.2a', '5.1.2b', '5.1.3', '5.1.4', '5.1.5', '5.1.6'] as const;
export type Rfc8428Section = (typeof RFC8428_SECTIONS)[number];

/** The example's bytes, exactly as in the fixture file (the RFC's own line breaks). */
export function rfc8428Example(section: Rfc8428Section): Buffer {
  return readFileSync(join(DIR, `rfc8428-${section}.json`));
}

/** The URN of the 1-wire device most examples name (§5.1.1–5.1.5). */
export const RFC_DEVICE = 'urn:dev:ow:10e2073a01080063';
/** The device of §5.1.2's second pack (one hex digit shorter in the RFC). */
export const RFC_DEVICE_2 = 'urn:dev:ow:10e2073a0108006';
/** Times of the examples (epoch ms): §5.1.2b's base time, §5.1.3's, §5.1.6's. */
export const RFC_TIMES = { t512b: 1276020076001, t513: 1320067464000, t516: 1320078429000 } as const;
