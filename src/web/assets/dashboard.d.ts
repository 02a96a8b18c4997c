// The dashboard script is plain browser JavaScript, imported as text (see ../assets.ts).
declare const text: string;
export default text;
