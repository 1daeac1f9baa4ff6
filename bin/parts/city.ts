/** The city model (the generated schematic city) and its basemap, built on first use. */
import { cityBasemap, generateCity } from '../../twin-model/city/index.ts';
import type { CityBasemap, CityModel } from '../../twin-model/index.ts';
import type { CityTwinConfig } from '../config.ts';

export interface CityPart {
  model: CityModel;
  basemap: () => CityBasemap | null;
}

/** Generates the city from the configured seed and size. */
export function cityModel(config: CityTwinConfig): CityPart {
  const model = generateCity({ seed: config.citySeed, sensorCount: config.sensorCount });
  let basemap: CityBasemap | null = null;
  return {
    model,
    basemap: () => {
      if (!basemap) basemap = cityBasemap(model);
      return basemap;
    },
  };
}

/** The city of this process: the test's model (RuntimeHooks.city), else the configured one. */
export function cityOf(ctx: { config: CityTwinConfig; hooks: { city?: CityModel } }): CityPart {
  const given = ctx.hooks.city;
  if (!given) return cityModel(ctx.config);
  let basemap: CityBasemap | null = null;
  return {
    model: given,
    basemap: () => {
      if (!basemap) basemap = cityBasemap(given);
      return basemap;
    },
  };
}
