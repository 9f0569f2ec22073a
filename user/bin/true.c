/* true - does nothing, successfully (status 0); arguments are ignored. */
#include "anode.h"

int main(int argc, char **argv)
{
	return 0;
}
