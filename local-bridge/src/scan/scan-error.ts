// A scan that cannot go on for a reason the user can fix (a missing path, a bad tools file, a server that cannot be
// reached): `helmet scan` prints the message after `helmet: ` and exits 2.
export class ScanError extends Error {
  override name = "ScanError";
}
