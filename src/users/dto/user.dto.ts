import { Transform } from 'class-transformer';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsEmail, IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { IsPassword } from '../../auth/password-policy';
import { UserRole } from '../../generated/prisma/enums';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

const ROLES = Object.values(UserRole);

export class CreateUserDto {
  @ApiProperty({ example: 'ops@example.com' })
  @Transform(trim)
  @IsEmail({ require_tld: false })
  @MaxLength(254)
  email: string;

  @ApiPropertyOptional({ example: 'Operations', description: 'Stored as given; the SPA escapes it' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(120)
  name?: string;

  @ApiProperty({ format: 'password', description: 'The initial password, 8 to 72 bytes' })
  @IsPassword()
  password: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role: UserRole;

  @ApiPropertyOptional({ default: true, description: 'Ask for a new password at first login' })
  @IsOptional()
  @IsBoolean()
  mustChangePassword?: boolean;
}

export class UpdateUserDto {
  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(120)
  name?: string;

  @ApiPropertyOptional({ enum: ROLES })
  @IsOptional()
  @IsIn(ROLES)
  role?: UserRole;

  @ApiPropertyOptional({ description: 'false deactivates (and logs the user out), true reactivates' })
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class ResetPasswordDto {
  @ApiPropertyOptional({
    format: 'password',
    description: 'The new password; when omitted a random one is generated and returned once',
  })
  @IsOptional()
  @IsPassword()
  password?: string;
}
