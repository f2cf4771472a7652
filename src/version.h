#ifndef HARDEN_VERSION
#define HARDEN_VERSION "0.1.0"
#endif
