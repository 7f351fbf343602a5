/** Types of the parts of gs1-barcode-parser-mod that app/src/gs1.ts uses (the package ships none). */
declare module 'gs1-barcode-parser-mod' {
  export interface ParsedElement {
    ai: string;
    dataTitle: string;
    data: string | number | Date;
    /** the element's data as it stood in the code (YYMMDD for a date) */
    raw?: string;
    /** a date element's day, AAAA-MM-DD ("" for other elements) */
    isoDate: string;
    unit: string;
  }
  export interface ParsedBarcode {
    codeName: string;
    parsedCodeItems: ParsedElement[];
  }
  /** Throws a string (English) when the code cannot be read. */
  export function parseBarcode(barcode: string): ParsedBarcode;
}
