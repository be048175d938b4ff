/** A URI fit to print: the password replaced by `***`. */
export function maskUri(uri: string): string {
  try {
    const u = new URL(uri);
    if (u.password !== "") u.password = "***";
    return u.toString();
  } catch {
    return uri.replace(/\/\/([^:/@]*):[^@/]*@/, "//$1:***@");
  }
}
