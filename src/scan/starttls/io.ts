/**
 * Reading a plaintext preamble: bytes are accumulated until a predicate says
 * the answer is complete. The size cap stops a server that never ends a line.
 */
import type { Socket } from 'node:net';
import { AttemptReason, scanFailure } from '../failure.ts';

/** No STARTTLS greeting or reply is anywhere near this long. */
export const MAX_PREAMBLE_BYTES = 64 * 1024;

/** Resolve with the bytes read once `complete(buffer)` is true; reject on close, error or cap. */
export function readUntil(socket: Socket, complete: (data: Buffer) => boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let data = Buffer.alloc(0);
    const cleanup = (): void => {
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onError);
    };
    const onData = (chunk: Buffer): void => {
      data = Buffer.concat([data, chunk]);
      if (data.length > MAX_PREAMBLE_BYTES) {
        cleanup();
        reject(scanFailure(AttemptReason.CONNECTIVITY, `STARTTLS preamble exceeded ${MAX_PREAMBLE_BYTES} bytes`));
      } else if (complete(data)) {
        cleanup();
        socket.pause();
        resolve(data);
      }
    };
    const onClose = (): void => {
      cleanup();
      reject(scanFailure(AttemptReason.CONNECTIVITY, 'the server closed the connection during the STARTTLS preamble'));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(scanFailure(AttemptReason.CONNECTIVITY, `STARTTLS preamble: ${err.message}`, err));
    };
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('error', onError);
    socket.resume();
  });
}

/** A complete multi-line reply of a line protocol (SMTP/FTP: "250-..." lines, then "250 ..."). */
export function replyComplete(data: Buffer): boolean {
  const text = data.toString('latin1');
  if (!text.endsWith('\n')) return false;
  const lines = text.split(/\r?\n/).filter((l) => l !== '');
  const last = lines[lines.length - 1] ?? '';
  return /^\d{3}( |$)/.test(last);
}

/** Send a line and read a multi-line numeric reply; returns its code and text. */
export async function command(socket: Socket, line: string | undefined): Promise<{ code: number; text: string }> {
  if (line !== undefined) socket.write(`${line}\r\n`);
  const reply = (await readUntil(socket, replyComplete)).toString('latin1');
  const lines = reply.split(/\r?\n/).filter((l) => l !== '');
  return { code: Number(lines[lines.length - 1]!.slice(0, 3)), text: reply };
}

export function refused(protocol: string, detail: string): Error {
  return scanFailure(AttemptReason.USAGE, `${protocol} STARTTLS refused: ${detail.trim().slice(0, 200)}`);
}
