/* harden: a compliance scanner for VMware vSphere and NSX.  Everything but
 * this entry point is in the library; the command layer is src/cmd.c. */
#include "cmd.h"

int main(int argc, char **argv)
{
	return cmd_main(argc, argv);
}
