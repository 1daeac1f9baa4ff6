/**
 * Public surface of `simulations/`: the city simulator (sensors over MQTT as real gateways
 * send them), its pure parts (signal patterns, the rainstorm weather field, the gateway
 * plan, the payload encoders) and the benchmark load generator.
 */
export {
  CitySimulator,
  pickUnregistered,
  type CitySimulatorOptions,
  type KindStats,
  type SimulatorStats,
  type SkippedKind,
} from './city-simulator.ts';
export { planDeclaredKind, SIMULATED_UNITS, type DeclaredKindPlan } from './declared-signals.ts';
export { cityTimeZone, localDateKey, localTime, zonedTime, zoneOffsetMs, type LocalTime } from './local-time.ts';
export {
  DECLARED_INTERVAL_MS,
  estimatePlanRate,
  planGateways,
  REPORT_INTERVAL_MS,
  reportIntervalMs,
  type Gateway,
  type GatewayPlan,
  type GatewayPlanOptions,
  type PayloadFormat,
  type PlannedSite,
  type PlanRate,
  type SensorSchedule,
} from './gateway-plan.ts';
export {
  createLoadPayloadBuilder,
  generateLoad,
  loadSensorId,
  type LoadOptions,
  type LoadPayloadBuilder,
  type LoadResult,
} from './load-generator.ts';
export {
  buildJunkPayload,
  buildSenmlRecords,
  buildSensorMeta,
  encodeNativeJson,
  encodeSenml,
  formatRfc3339,
  JUNK_KINDS,
  sensorDataTopic,
  sensorMetaTopic,
  serviceMetricsTopic,
  TOPIC_ROOT,
  type JunkKind,
  type Sample,
  type SenmlRecord,
  type SensorMeta,
  type TimestampStyle,
} from './payload-encoding.ts';
export {
  cityRainstorm,
  stormPlacement,
  createRainstorm,
  createWeather,
  DEFAULT_PONDING,
  DEFAULT_RAINSTORM,
  integratePonding,
  type CreateWeatherOptions,
  type PondingOptions,
  type PondingSite,
  type Rainstorm,
  type RainstormOptions,
  type Weather,
  type WeatherScenario,
} from './rainstorm.ts';
export {
  airQualityIndex,
  ambientTemperatureC,
  METRIC_DECIMALS,
  METRIC_RANGES,
  sampleSignals,
  SIGNAL_PATTERNS,
  type MetricValues,
  type SignalPattern,
} from './signal-patterns.ts';
