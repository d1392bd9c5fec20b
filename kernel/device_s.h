/*
 * The device object (device.c): see device.h for its interface.
 */
#ifndef KERNEL_DEVICE_S_H
#define KERNEL_DEVICE_S_H

#include "device.h"
#include "wait.h"

struct device {
	struct object obj;
	char name[16];
	const struct device_model *model;
	void *state; /* the model's */
	uint8_t *config;
	uint32_t config_size;
	/* The driver: the process that started the device (referenced), watched for its end. */
	struct process *driver;
	struct observer driver_end;
	uint64_t features; /* accepted at the start */
	uint32_t generation;
	uint32_t isr; /* ARCHK_DEVICE_ISR_* not yet acknowledged */
	struct virtq queues[DEVICE_QUEUES_MAX];
};

#endif
