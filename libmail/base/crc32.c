/* crc32.c — table-driven CRC-32, reflected polynomial 0xEDB88320; see
 * crc32.h. Slicing by 8 keeps it near 2 GB/s (a 100,000-message postbox-index,
 * 8.6 MB, is checked at each SELECT), so checking a queued message
 * before each delivery costs little next to sending it. */
#include "base/crc32.h"

static uint32_t table[8][256];
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
		for (int t = 1; t < 8; t++)
			table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xff];
	table_ready = 1;
}

static uint32_t le32(const unsigned char *s)
{
	return (uint32_t)s[0] | (uint32_t)s[1] << 8 | (uint32_t)s[2] << 16 | (uint32_t)s[3] << 24;
}

uint32_t crc32_update(uint32_t crc, const void *p, size_t n)
{
	const unsigned char *s = p;
	if (!table_ready)
		make_table();
	crc = ~crc;
	for (; n >= 8; s += 8, n -= 8) {
		uint32_t lo = crc ^ le32(s), hi = le32(s + 4);
		crc = table[7][lo & 0xff] ^ table[6][(lo >> 8) & 0xff] ^ table[5][(lo >> 16) & 0xff] ^
		      table[4][lo >> 24] ^ table[3][hi & 0xff] ^ table[2][(hi >> 8) & 0xff] ^
		      table[1][(hi >> 16) & 0xff] ^ table[0][hi >> 24];
	}
	while (n--)
		crc = table[0][(crc ^ *s++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
