/** A zip archive holding one small index.py (a Python handler). */
export function handlerZip(): Buffer;
