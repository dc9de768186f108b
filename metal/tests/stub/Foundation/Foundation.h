// Foundation.h (stub) — only for the Linux syntax check of metal/metal-device.m
// (clang -fsyntax-only -x objective-c): the declarations that file uses, spelled as Apple's SDK
// spells them. Never used to build anything.
#pragma once
#include <stddef.h>
#include <stdint.h>

typedef unsigned long NSUInteger;
typedef long NSInteger;
typedef signed char BOOL;
#define YES ((BOOL)1)
#define NO ((BOOL)0)
#define nil ((id)0)

@protocol NSObject
- (instancetype)retain;
- (oneway void)release;
- (instancetype)autorelease;
@end

@interface NSObject <NSObject>
+ (instancetype)alloc;
- (instancetype)init;
@end

@interface NSString : NSObject
+ (instancetype)stringWithUTF8String:(const char *)nullTerminatedCString;
@property (readonly) const char *UTF8String;
@end

@interface NSError : NSObject
@property (readonly, copy) NSString *localizedDescription;
@end
