// Every advisor, in the order they are listed; adding a kind of advice means adding a file
// beside this one and a line here.
import type { Advisor } from "../advice.js";
import { failingPlaybooks } from "./failing-playbooks.js";
import { flappingChecks } from "./flapping-checks.js";
import { recurringIncidents } from "./recurring-incidents.js";
import { resourceForecasts } from "./resource-forecasts.js";
import { singlePointsOfFailure } from "./single-points-of-failure.js";

export const ADVISORS: readonly Advisor[] = [recurringIncidents, singlePointsOfFailure, resourceForecasts, flappingChecks, failingPlaybooks];
