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
