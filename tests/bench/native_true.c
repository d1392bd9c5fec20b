/* Baseline for boot_run_exit: a static native program that does nothing. */
int main(void)
{
	return 0;
}
