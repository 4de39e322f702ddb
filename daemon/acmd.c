/* The daemon's global state (acmd.h), set up by main.c. */
#include "acmd.h"

struct acmd	acmd;
