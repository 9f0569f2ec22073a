/* false - does nothing, unsuccessfully (status 1); arguments are ignored. */
#include "anode.h"

int main(int argc, char **argv)
{
	return 1;
}
