import { GraphQLError } from 'graphql';
import { ScalarInputError } from '../base/scalars';

/**
 * graphql-js refuses a value that does not fit the schema (a variable, or a literal in the document)
 * before anything runs, with English text: `Variable "$i" got invalid value 1.5 at "i.lines[0].quantity";
 * Int cannot represent non-integer value: 1.5`. The person at the counter reads Spanish: these are the
 * same messages in Spanish, the path kept. A scalar of ours (Date, DateTime) already speaks Spanish and
 * is kept whole. Anything not listed here is left as it is (documents a client developer wrote wrong:
 * an unknown field, a syntax error).
 */
const VALUE_MESSAGES: Array<[RegExp, (...m: string[]) => string]> = [
  [/^Int cannot represent non-integer value: (.*)$/s, (v) => `se espera un número entero; recibido ${v}.`],
  [/^Int cannot represent non 32-bit signed integer value: (.*)$/s, (v) => `número entero fuera de rango; recibido ${v}.`],
  [/^Float cannot represent non numeric value: (.*)$/s, (v) => `se espera un número; recibido ${v}.`],
  [/^String cannot represent a non string value: (.*)$/s, (v) => `se espera texto; recibido ${v}.`],
  [/^Boolean cannot represent a non boolean value: (.*)$/s, (v) => `se espera true o false; recibido ${v}.`],
  [/^ID cannot represent value: (.*)$/s, (v) => `identificador inválido; recibido ${v}.`],
  [/^Value "(.*)" does not exist in "(\w+)" enum\.(?: Did you mean.*)?$/s, (v, e) => `el valor "${v}" no es uno de los de ${e}.`],
  [/^Enum "(\w+)" cannot represent non-enum value: (.*?)\.(?: Did you mean.*)?$/s, (e, v) => `el valor ${v} no es uno de los de ${e}.`],
  [/^Field "(\w+)" of required type "(.+)" was not provided\.$/s, (f, t) => `falta el campo obligatorio ${f} (${t}).`],
  [/^Field "(\w+)" is not defined by type "(\w+)"\.(?: Did you mean.*)?$/s, (f, t) => `el campo ${f} no existe en ${t}.`],
  [/^Expected type "(.+)" to be an object\.$/s, (t) => `se espera un objeto ${t}.`],
  [/^Expected value of type "(.+)", found (.*?)\.?$/s, (t, v) => `se espera un valor de tipo ${t}; recibido ${v}.`],
  [/^Expected non-nullable type "(.+)" not to be null\.$/s, (t) => `no puede ser null (${t}).`],
];

function valueMessage(text: string): string | undefined {
  for (const [pattern, spanish] of VALUE_MESSAGES) {
    const m = pattern.exec(text);
    if (m) return spanish(...m.slice(1));
  }
  return undefined;
}

/** The Spanish message of an input error (code BAD_USER_INPUT or a validation failure), or undefined to keep it. */
export function spanishInputMessage(message: string, error: unknown): string | undefined {
  const original = error instanceof GraphQLError ? error.originalError : undefined;
  if (error instanceof ScalarInputError || original instanceof ScalarInputError) {
    const own = (original instanceof ScalarInputError ? original : (error as ScalarInputError)).message;
    const at = /^Variable "\$(\w+)" got invalid value .* at "([^"]+)"; /s.exec(message);
    return at ? `Valor inválido en ${at[2]} (variable $${at[1]}): ${own}` : own;
  }
  let m = /^Variable "\$(\w+)" got invalid value (.*?)(?: at "([^"]+)")?; (.*)$/s.exec(message);
  if (m) {
    const tail = valueMessage(m[4]);
    if (tail) return `Valor inválido en ${m[3] ?? m[1]} (variable $${m[1]}): ${tail}`;
    return undefined;
  }
  m = /^Variable "\$(\w+)" of required type "(.+)" was not provided\.$/s.exec(message);
  if (m) return `Falta la variable obligatoria $${m[1]} (${m[2]}).`;
  m = /^Variable "\$(\w+)" of non-null type "(.+)" must not be null\.$/s.exec(message);
  if (m) return `La variable $${m[1]} no puede ser null (${m[2]}).`;
  const tail = valueMessage(message);
  return tail ? `Valor inválido: ${tail}` : undefined;
}
