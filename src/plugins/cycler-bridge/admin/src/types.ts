export interface Limits {
  min_voltage_v: number | null;
  max_voltage_v: number | null;
  min_current_a: number | null;
  max_current_a: number | null;
}

export interface BatteryOption {
  id: number;
  documentId: string;
  name: string;
  technology: string;
  min_voltage_v: number | string | null;
  max_voltage_v: number | string | null;
  max_charge_current_a: number | string | null;
  max_discharge_current_a: number | string | null;
  nominal_capacity_ah: number | string | null;
}

export interface StationOption {
  id: number;
  documentId: string;
  name: string;
  state: string;
  location: string | null;
  min_voltage_v: number | string | null;
  max_voltage_v: number | string | null;
  min_current_a: number | string | null;
  max_current_a: number | string | null;
}

export interface ProfileOption {
  id: number;
  documentId: string;
  name: string;
  description: string | null;
  instructions: string;
}

export interface Options {
  technologies: string[];
  technology: string | null;
  battery: BatteryOption | null;
  batteries: BatteryOption[];
  stations: StationOption[];
  profiles: ProfileOption[];
  limits: Limits | null;
}

export interface ProfileIssue {
  line: number;
  message: string;
}

export interface CheckResult {
  ok: boolean;
  issues: ProfileIssue[];
  limits: Limits;
  steps: number;
}
