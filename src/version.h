/* version.h - the program's version (the build adds the commit in main.c). */
#ifndef CIVICARE_VERSION_H
#define CIVICARE_VERSION_H
#define CIVICARE_VERSION "0.1.0"
#endif
