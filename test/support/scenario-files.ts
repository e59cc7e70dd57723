import { join } from 'node:path';

/**
 * A control's sandbox scenario, in its folder: functions/controls/<id>/scenario.json (the simulated organization, with a
 * safe and a risky case), scenario-event.json (a custom-action event carrying both) and, for some, scenario.config.json.
 */
export type ScenarioFile = 'scenario.json' | 'scenario-event.json' | 'scenario.config.json';

export const CONTROLS_DIR = join(__dirname, '..', '..', 'functions', 'controls');

export const scenarioFile = (controlId: string, file: ScenarioFile): string => join(CONTROLS_DIR, controlId, file);
