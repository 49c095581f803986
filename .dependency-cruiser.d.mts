// The types of .dependency-cruiser.mjs, for scripts/import-rules.test.ts.
import type { IConfiguration } from "dependency-cruiser";

declare const config: IConfiguration;
export default config;
