/*
 * qsort for the guest runtime, as a heapsort: O(n log n) comparisons in the
 * worst case, no recursion and no memory besides the array, at the price of
 * not being stable (neither is the C library's qsort required to be).
 */
#include <archk/runtime.h>

/* Exchanges the size bytes at a and b. */
static void swap_bytes(unsigned char *a, unsigned char *b, size_t size)
{
	while (size--) {
		unsigned char t = *a;

		*a++ = *b;
		*b++ = t;
	}
}

/* Moves element root down the heap of count elements until its children are not larger. */
static void sift_down(unsigned char *base, size_t root, size_t count, size_t size,
		      int (*cmp)(const void *, const void *))
{
	for (;;) {
		size_t child = 2 * root + 1, largest = root;

		if (child < count && cmp(base + child * size, base + largest * size) > 0)
			largest = child;
		if (child + 1 < count && cmp(base + (child + 1) * size, base + largest * size) > 0)
			largest = child + 1;
		if (largest == root)
			return;
		swap_bytes(base + root * size, base + largest * size, size);
		root = largest;
	}
}

void qsort(void *base, size_t count, size_t size, int (*cmp)(const void *, const void *))
{
	unsigned char *b = base;

	if (count < 2 || size == 0)
		return;
	for (size_t i = count / 2; i-- > 0;)
		sift_down(b, i, count, size, cmp);
	for (size_t end = count - 1; end > 0; end--) {
		swap_bytes(b, b + end * size, size);
		sift_down(b, 0, end, size, cmp);
	}
}
