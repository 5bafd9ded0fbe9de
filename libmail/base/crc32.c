/* crc32.c — table-driven CRC-32, reflected polynomial 0xEDB88320; see
 * crc32.h. Slicing by 4 keeps it near 1 GB/s, so checking a queued message
 * before each delivery costs little next to sending it. */
#include "base/crc32.h"

static uint32_t table[4][256];
static int table_ready;

static void make_table(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 4; t++)
			table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xff];
	table_ready = 1;
}

uint32_t crc32_update(uint32_t crc, const void *p, size_t n)
{
	const unsigned char *s = p;
	if (!table_ready)
		make_table();
	crc = ~crc;
	while (n >= 4) {
		crc ^= (uint32_t)s[0] | (uint32_t)s[1] << 8 | (uint32_t)s[2] << 16 | (uint32_t)s[3] << 24;
		crc = table[3][crc & 0xff] ^ table[2][(crc >> 8) & 0xff] ^ table[1][(crc >> 16) & 0xff] ^
		      table[0][crc >> 24];
		s += 4;
		n -= 4;
	}
	while (n--)
		crc = table[0][(crc ^ *s++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
