// mach/mach.h (stub) — only for the Linux syntax check of metal/metal-device.m: the Mach VM calls it
// uses, as the macOS SDK declares them. Never used to build anything.
#pragma once
#include <stdint.h>
typedef int kern_return_t;
typedef unsigned int mach_port_t;
typedef unsigned int natural_t;
typedef natural_t mach_msg_type_number_t;
typedef uint64_t mach_vm_address_t;
typedef uint64_t mach_vm_size_t;
typedef int vm_region_flavor_t;
typedef int *vm_region_info_t;
#define KERN_SUCCESS 0
#define MACH_PORT_NULL 0
#define VM_REGION_TOP_INFO 12
typedef struct { unsigned int obj_id, ref_count, private_pages_resident, shared_pages_resident; unsigned char share_mode; } vm_region_top_info_data_t;
#define VM_REGION_TOP_INFO_COUNT ((mach_msg_type_number_t)(sizeof(vm_region_top_info_data_t) / sizeof(natural_t)))
mach_port_t mach_task_self(void);
