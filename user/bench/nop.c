/* nop - exits at once: what `make bench` execs to time fork+fexec+waitpid. */
int main(void);

int main(void)
{
	return 0;
}
