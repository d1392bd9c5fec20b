/*
 * A trivial host program, built by elf_tests.cmake as glibc static
 * executables (non-PIE, and static-pie with TLS and IRELATIVE relocations)
 * that the ELF loader must reject with a clear reason.
 */
int main(void)
{
	return 0;
}
