/* crc32.h — CRC-32 (ISO-HDLC, the polynomial of zlib, gzip and PNG), to
 * notice damage to a stored file cheaply. Not a defence against anyone
 * who can write the file: only against storage and stray processes.
 */
#ifndef POSTBOX_CRC32_H
#define POSTBOX_CRC32_H

#include <stddef.h>
#include <stdint.h>

#define CRC32_INIT 0u

/* Continue crc over p[0..n): crc32_update(CRC32_INIT, "123456789", 9)
 * is 0xCBF43926. */
uint32_t crc32_update(uint32_t crc, const void *p, size_t n);

#endif
