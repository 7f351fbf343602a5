import { registerEnumType } from 'type-graphql';
import { CpmSource, EstablishmentKind, LevelOfCare, RejectionReason, Role, SaiStatus, SupplyKind, WarehouseTier } from '../domain/enums';

registerEnumType(EstablishmentKind, {
  name: 'EstablishmentKind',
  description: 'FIXED units, MOBILE units (UMM, brigades) and SUPPORT establishments (warehouses, laboratories…).',
});
registerEnumType(LevelOfCare, { name: 'LevelOfCare', description: 'Level of care (nivel de atención).' });
registerEnumType(WarehouseTier, { name: 'WarehouseTier', description: 'Where a warehouse (almacén) sits in distribution.' });
registerEnumType(SupplyKind, {
  name: 'SupplyKind',
  description: 'Kind of supply: medicine (medicamento), healing material (material de curación), vaccine, other.',
});
registerEnumType(SaiStatus, {
  name: 'SaiStatus',
  description: 'Rollout status of the Sistema de Abasto Institucional (SAI) at an establishment.',
});
registerEnumType(Role, { name: 'Role', description: 'What a caller may do; see the README for each scope.' });
registerEnumType(RejectionReason, { name: 'RejectionReason', description: 'Why pieces were rejected at receipt.' });
registerEnumType(CpmSource, {
  name: 'CpmSource',
  description: 'Where a CPM in force comes from: RATIFIED (the year’s ratified submission) or CALCULATED (the latest stored calculation).',
});
