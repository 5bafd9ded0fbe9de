/* hex.h — the value of a hexadecimal digit, the one copy for every
 * decoder (xtext, quoted-printable, %-escapes). */
#ifndef POSTBOX_HEX_H
#define POSTBOX_HEX_H

/* 0..15 for [0-9A-Fa-f], -1 otherwise. */
int hex_value(char c);

#endif
