/*
 * Character classes of the guest runtime: the <ctype.h> functions for ASCII
 * as the C locale defines them. Arguments outside 0..127 (and EOF) belong to
 * no class and are returned unchanged by tolower and toupper.
 */
#include <archk/runtime.h>

int isdigit(int c)
{
	return c >= '0' && c <= '9';
}

int isxdigit(int c)
{
	return isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int isupper(int c)
{
	return c >= 'A' && c <= 'Z';
}

int islower(int c)
{
	return c >= 'a' && c <= 'z';
}

int isalpha(int c)
{
	return isupper(c) || islower(c);
}

int isalnum(int c)
{
	return isalpha(c) || isdigit(c);
}

/* Space, \t, \n, \v, \f and \r. */
int isspace(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Printable: space through '~'. */
int isprint(int c)
{
	return c >= ' ' && c <= '~';
}

int tolower(int c)
{
	return isupper(c) ? c - 'A' + 'a' : c;
}

int toupper(int c)
{
	return islower(c) ? c - 'a' + 'A' : c;
}
