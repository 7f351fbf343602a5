/** Enumerations of the domain (SPEC §3). Values are the GraphQL enum values too. */

export enum EstablishmentKind {
  FIXED = 'FIXED',
  MOBILE = 'MOBILE',
  SUPPORT = 'SUPPORT',
}

export enum LevelOfCare {
  FIRST = 'FIRST',
  SECOND = 'SECOND',
  THIRD = 'THIRD',
}

export const LEVEL_OF_CARE_LABEL: Readonly<Record<LevelOfCare, string>> = {
  FIRST: 'primer nivel',
  SECOND: 'segundo nivel',
  THIRD: 'tercer nivel',
};

export enum WarehouseTier {
  CENTRAL = 'CENTRAL',
  STATE = 'STATE',
  REGIONAL = 'REGIONAL',
}

export enum SupplyKind {
  MEDICINE = 'MEDICINE',
  HEALING_MATERIAL = 'HEALING_MATERIAL',
  VACCINE = 'VACCINE',
  OTHER = 'OTHER',
}

/** How a kind of supply reads in a Spanish message. */
export const SUPPLY_KIND_LABEL: Readonly<Record<SupplyKind, string>> = {
  MEDICINE: 'medicamento',
  HEALING_MATERIAL: 'material de curación',
  VACCINE: 'vacuna',
  OTHER: 'otro insumo',
};

export enum SaiStatus {
  NOT_STARTED = 'NOT_STARTED',
  IMPLEMENTING = 'IMPLEMENTING',
  IN_OPERATION = 'IN_OPERATION',
}

/** Why pieces were rejected at receipt. Every list of reasons (the rollup's columns, the indicators' split) is derived from it. */
export enum RejectionReason {
  DAMAGED = 'DAMAGED',
  EXPIRED = 'EXPIRED',
  SHORT_SHIPPED = 'SHORT_SHIPPED',
  WRONG_ITEM = 'WRONG_ITEM',
  LOST_IN_TRANSIT = 'LOST_IN_TRANSIT',
  OTHER = 'OTHER',
  /** The lot is on hold after an alerta sanitaria (issue 21). */
  RECALLED = 'RECALLED',
}

export const REJECTION_REASONS: readonly RejectionReason[] = Object.values(RejectionReason);

/** The column of the order-fill rollup (migration OrderFill) that adds up the pieces rejected for `reason`. */
export const rejectedColumn = (reason: RejectionReason): string => `r_${reason.toLowerCase()}`;

/**
 * Where the CPM in force at a location comes from (the stock position's `cpm_source`): the year's
 * RATIFIED submission line, else the latest CALCULATED value.
 */
export enum CpmSource {
  RATIFIED = 'RATIFIED',
  CALCULATED = 'CALCULATED',
}

export enum Role {
  ADMIN = 'ADMIN',
  CENTRAL = 'CENTRAL',
  STATE_COORDINATOR = 'STATE_COORDINATOR',
  WAREHOUSE = 'WAREHOUSE',
  PHARMACY = 'PHARMACY',
  AUDITOR = 'AUDITOR',
}

/** The roles as the people who hold them say them, for every screen (the app's header, the dashboard's). */
export const ROLE_LABEL: Readonly<Record<Role, string>> = {
  [Role.ADMIN]: 'Administración',
  [Role.AUDITOR]: 'Auditoría',
  [Role.CENTRAL]: 'Coordinación de Abasto (central)',
  [Role.PHARMACY]: 'Farmacia',
  [Role.STATE_COORDINATOR]: 'Coordinación estatal',
  [Role.WAREHOUSE]: 'Almacén',
};
