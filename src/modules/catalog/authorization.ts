/**
 * When a clave is authorised at a location in a year: the one definition (SPEC §4) that order lines,
 * the suggested order, CPM proposals and batches, and redistributions all use.
 *
 * - A warehouse stocks every clave (it supplies units of every level).
 * - Any other establishment, the claves authorised for its level of care (`authorized_levels`) or for its
 *   DGIS typology (`authorized_typologies`, typology codes such as CSR or HC: the institution's "catálogo de
 *   claves de acuerdo con su tipología").
 * - Within the authorisation's years, both ends included; a missing end is open.
 *
 * What a clave is authorised for is institutional data (`npm run import:authorizations`): the Compendio
 * says none of it, and its import never invents it.
 *
 * `e` and `s` are the SQL aliases of an establishment and a supply_item row, `year` an SQL int expression.
 */
export function authorizedSql(e: string, s: string, year: string): string {
  return `((EXISTS (SELECT 1 FROM warehouse w WHERE w.establishment_id = ${e}.id)
            OR ${e}.care_level = ANY (${s}.authorized_levels)
            OR ${e}.typology_code = ANY (${s}.authorized_typologies))
           AND coalesce(${s}.authorized_from_year, 0) <= ${year} AND coalesce(${s}.authorized_to_year, 9999) >= ${year})`;
}
