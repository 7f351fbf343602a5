#!/usr/bin/env node
/* eslint-disable */
// node bench/import-dgis.js [--rows 64000] [--keep FILE.xlsx]
//
// The national DGIS workbook as users download it is about 25 MB, 64,000 rows of 68 columns, with two
// sheets: CLUES_YYYYMM (the catalogue) and HORARIOS_YYYYMM (opening hours). This writes a workbook of
// that size and shape (HORARIOS first, so the importer must skip it; dates, coordinates, long comments),
// creates a scratch database on the server of ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres),
// migrates it, and runs `npm run import:clues` on the workbook under /usr/bin/time, printing the rows,
// the wall time and the peak memory (maximum resident set size) of the import process. The target of
// issue 19: under 60 s and 500 MB on a 2-core machine. Not part of `npm test`.
require('ts-node/register/transpile-only');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');
const ExcelJS = require('exceljs');
const { Client } = require('pg');
const { STATES } = require('../src/domain/states');

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const ROWS = Number(args.rows || 64000);
const ADMIN_URL = process.env.ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const ROOT = path.resolve(__dirname, '..');

/** The 68 columns of the 2025 cuts, in their order. */
const HEADER = [
  'CLUES', 'CLAVE DE LA INSTITUCION', 'NOMBRE DE LA INSTITUCION', 'CLAVE DE LA ENTIDAD', 'ENTIDAD', 'CLAVE DEL MUNICIPIO', 'MUNICIPIO',
  'CLAVE DE LA LOCALIDAD', 'LOCALIDAD', 'CLAVE DE LA JURISDICCION', 'JURISDICCION', 'CLAVE TIPO ESTABLECIMIENTO', 'NOMBRE TIPO ESTABLECIMIENTO',
  'CLAVE DE TIPOLOGIA', 'NOMBRE DE TIPOLOGIA', 'CLAVE DE SUBTIPOLOGIA', 'NOMBRE DE SUBTIPOLOGIA', 'CLAVE SCIAN', 'DESCRIPCION CLAVE SCIAN',
  'CONSULTORIOS DE MED GRAL', 'CONSULTORIOS EN OTRAS AREAS', 'TOTAL CONSULTORIOS', 'CAMAS EN AREA DE HOS', 'CAMAS EN OTRAS AREAS', 'TOTAL CAMAS',
  'NOMBRE DE LA UNIDAD', 'CLAVE VIALIDAD', 'TIPO VIALIDAD', 'VIALIDAD', 'NUMERO EXTERIOR', 'NUMERO INTERIOR', 'CLAVE TIPO ASENTAMIENTO',
  'TIPO DE ASENTAMIENTO', 'ASENTAMIENTO', 'CODIGO POSTAL', 'ESTATUS DE OPERACION', 'CLAVE ESTATUS DE ACREDITACION', 'ESTATUS DE ACREDITACION',
  'CLAVE SUBCATEGORIA ACREDITACION', 'SUBCATEGORIA ACREDITACION', 'FECHA ACREDITACION', 'ULTIMO MOVIMIENTO', 'FECHA ULTIMO MOVIMIENTO',
  'MOTIVO BAJA', 'FECHA EFECTIVA DE BAJA', 'CLAVE NIVEL ATENCION', 'NIVEL ATENCION', 'CLAVE ESTRATO UNIDAD', 'ESTRATO UNIDAD',
  'CLAVE TIPO OBRA', 'TIPO OBRA', 'CLAVE TIPO ADMINISTRACION', 'TIPO ADMINISTRACION', 'FECHA DE CONSTRUCCION', 'FECHA INICIO OPERACION',
  'UNIDAD MOVIL MARCA', 'UNIDAD MOVIL MODELO', 'UNIDAD MOVIL CAPACIDAD', 'UNIDAD MOVIL TIPO', 'UNIDAD MOVIL TIPOLOGIA', 'LATITUD', 'LONGITUD',
  'CLUES_SSH', 'HORARIO', 'TELEFONO', 'CORREO ELECTRONICO', 'RFC DEL ESTABLECIMIENTO', 'COMENTARIOS DE LA VALIDACION',
];
const INSTITUTIONS = [['SSA', 'SECRETARIA DE SALUD'], ['IMB', 'SERVICIOS DE SALUD DEL INSTITUTO MEXICANO DEL SEGURO SOCIAL PARA EL BIENESTAR (IMSS-BIENESTAR)'], ['IMS', 'INSTITUTO MEXICANO DEL SEGURO SOCIAL'], ['IST', 'INSTITUTO DE SEGURIDAD Y SERVICIOS SOCIALES DE LOS TRABAJADORES DEL ESTADO'], ['SMP', 'SERVICIOS MEDICOS PRIVADOS']];
const TYPOLOGIES = [['CSR', 'RURAL DE 01 NUCLEO BASICO', 'DE CONSULTA EXTERNA', 'PRIMER NIVEL'], ['CSU', 'URBANO DE 03 NUCLEOS BASICOS', 'DE CONSULTA EXTERNA', 'PRIMER NIVEL'], ['HG', 'HOSPITAL GENERAL', 'DE HOSPITALIZACION', 'SEGUNDO NIVEL'], ['UMM', 'UNIDAD MOVIL', 'DE CONSULTA EXTERNA', 'PRIMER NIVEL'], ['ALM', 'ALMACEN', 'DE APOYO', 'NO APLICA']];

async function writeWorkbook(file) {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true, useStyles: true });
  const hours = wb.addWorksheet('HORARIOS_202501');
  hours.addRow(['CLUES', 'CLAVE DE LA ENTIDAD', 'NOMBRE DE LA UNIDAD', 'DIA', 'HORA DE APERTURA', 'HORA DE CIERRE']).commit();
  const clues = (i) => {
    const state = STATES[i % STATES.length];
    const [inst] = INSTITUTIONS[i % INSTITUTIONS.length];
    return { state, inst, clues: `${state.cluesPrefix}${inst}${String(100000 + i).slice(-6)}` };
  };
  for (let i = 0; i < ROWS; i++) {
    const { state, clues: c } = clues(i);
    for (const day of ['LUNES', 'MARTES']) hours.addRow([c, Number(state.code), `Unidad ${i}`, day, '08:00', '20:00']).commit();
  }
  hours.commit();
  const sheet = wb.addWorksheet('CLUES_202501');
  sheet.addRow(HEADER).commit();
  for (let i = 0; i < ROWS; i++) {
    const { state, inst, clues: c } = clues(i);
    const [tc, tn, type, level] = TYPOLOGIES[i % TYPOLOGIES.length];
    const closed = i % 9 === 0;
    const values = HEADER.map((h) => {
      switch (h) {
        case 'CLUES': return c;
        case 'CLAVE DE LA INSTITUCION': return inst;
        case 'NOMBRE DE LA INSTITUCION': return INSTITUTIONS[i % INSTITUTIONS.length][1];
        case 'CLAVE DE LA ENTIDAD': return Number(state.code);
        case 'ENTIDAD': return state.name.toUpperCase();
        case 'MUNICIPIO': return `MUNICIPIO ${i % 570}`;
        case 'LOCALIDAD': return `LOCALIDAD ${i % 3000}`;
        case 'JURISDICCION': return `JURISDICCION ${i % 12}`;
        case 'NOMBRE TIPO ESTABLECIMIENTO': return type;
        case 'CLAVE DE TIPOLOGIA': return tc;
        case 'NOMBRE DE TIPOLOGIA': return tn;
        case 'NOMBRE DE LA UNIDAD': return `CENTRO DE SALUD ${tn} NUMERO ${i}`;
        case 'ESTATUS DE OPERACION': return closed ? 'FUERA DE OPERACION' : 'EN OPERACION';
        case 'ULTIMO MOVIMIENTO': return closed ? 'BAJA' : 'ACTUALIZACION';
        case 'FECHA ULTIMO MOVIMIENTO': return new Date(Date.UTC(2024, 6, 18));
        case 'MOTIVO BAJA': return closed ? 'POR CAMBIO DE INSTITUCION' : '';
        case 'FECHA EFECTIVA DE BAJA': return closed ? new Date(Date.UTC(2024, 6, 18)) : '';
        case 'NIVEL ATENCION': return level;
        case 'LATITUD': return 17 + (i % 1500) / 100;
        case 'LONGITUD': return -117 + (i % 2800) / 100;
        case 'COMENTARIOS DE LA VALIDACION': return closed ? 'ESTABLECIMIENTO QUE PERTENECIA A SECRETARIA DE SALUD DEL ESTADO, SE TRANSFIERE A IMSS-BIENESTAR POR CONVENIO DE COORDINACION' : '';
        case 'TELEFONO': return `55 ${String(10000000 + i).slice(-8)}`;
        case 'CODIGO POSTAL': return String(10000 + (i % 89999));
        case 'TOTAL CONSULTORIOS': return i % 7;
        case 'TOTAL CAMAS': return i % 30;
        default: return h.startsWith('CLAVE') ? i % 99 : `${h.toLowerCase()} ${i % 50}`;
      }
    });
    sheet.addRow(values).commit();
  }
  sheet.commit();
  await wb.commit();
}

(async () => {
  const file = args.keep || path.join(os.tmpdir(), `dgis-national-${ROWS}.xlsx`);
  let t = Date.now();
  if (!fs.existsSync(file)) {
    await writeWorkbook(file);
    console.log(`wrote ${file}: ${(fs.statSync(file).size / 1e6).toFixed(1)} MB, ${ROWS} rows × ${HEADER.length} columns in CLUES_202501 (+ HORARIOS_202501 first) in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  } else console.log(`reusing ${file}: ${(fs.statSync(file).size / 1e6).toFixed(1)} MB`);

  const name = `abasto_import_bench_${process.pid}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const env = { ...process.env, DATABASE_URL: url.toString() };
  try {
    execFileSync('npm', ['run', '--silent', 'migrate'], { cwd: ROOT, env, stdio: 'ignore' });
    const run = spawnSync('/usr/bin/time', ['-v', process.execPath, '-r', 'ts-node/register/transpile-only', 'src/cli/import-clues.ts', file], { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 1e8 });
    const summary = run.stdout.split('\n').filter((l) => /^leídas|^columnas|filas rechazadas/.test(l));
    const wall = /Elapsed \(wall clock\) time.*: (.*)/.exec(run.stderr)?.[1];
    const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr)?.[1]) / 1024;
    console.log(summary.join('\n'));
    console.log(`import:clues exit ${run.status}: wall ${wall}, peak memory ${rss.toFixed(0)} MB`);
    if (run.status !== 0) console.log(run.stderr.slice(-2000));
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
