/*
 * The master key check: a fixed text sealed under the master key, kept in
 * the store (meta "vault_check") from the key's first use.  At start it
 * tells the right master key from a missing or different one before
 * anything is sealed or opened with it: acmd never makes a new key, nor
 * seals anything under one, while the store holds data sealed under
 * another.
 */
#ifndef ACMD_KEYCHECK_H
#define ACMD_KEYCHECK_H

/*
 * Open the master key file into acmd.vault (acmd.store is open): create
 * it only when it is absent and nothing in the store is sealed, check it
 * against the key check, and write the check when there is none (a new
 * store, or one from before the check whose sealed data the key opens).
 * -1 with cause, naming the key file, and nothing written.
 */
int	keycheck_open(const char *, const char *, char **);

#endif
