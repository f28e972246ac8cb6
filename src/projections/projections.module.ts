import { Module } from '@nestjs/common';
import { ProjectionsService } from './projections.service';

/** The read side: projection runners and progress. Needs STORE and APP_CONFIG from the app. */
@Module({
  providers: [ProjectionsService],
  exports: [ProjectionsService],
})
export class ProjectionsModule {}
