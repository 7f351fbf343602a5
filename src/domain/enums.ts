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

export enum SaiStatus {
  NOT_STARTED = 'NOT_STARTED',
  IMPLEMENTING = 'IMPLEMENTING',
  IN_OPERATION = 'IN_OPERATION',
}

export enum Role {
  ADMIN = 'ADMIN',
  CENTRAL = 'CENTRAL',
  STATE_COORDINATOR = 'STATE_COORDINATOR',
  WAREHOUSE = 'WAREHOUSE',
  PHARMACY = 'PHARMACY',
  AUDITOR = 'AUDITOR',
}
