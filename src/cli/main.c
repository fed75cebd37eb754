/*
 * main.c - civicare's entry point: everything happens in cli_main.
 */
#include "cli.h"
#include "../core/banned.h"

#ifndef CIVICARE_COMMIT
#define CIVICARE_COMMIT "unknown"
#endif

int main(int argc, char **argv)
{
	return cli_main(argc, argv, CIVICARE_COMMIT " built " __DATE__);
}
